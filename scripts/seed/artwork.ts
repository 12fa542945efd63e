/**
 * Demo databases seeded before the artwork was served locally point their artist images at an outside image
 * service (picsum.photos); this moves them to the api's generated artwork (`/art/{slug}.svg`), as a new seed does.
 * Idempotent; `npm run dev` runs it on every start.
 */
import { resultRows, type SqlExecutor } from './insert';

export async function useLocalArtwork(db: SqlExecutor): Promise<number> {
  return resultRows(
    await db.query(
      `update artists set image_url = '/art/' || slug || '.svg'
       where image_url like 'https://picsum.photos/%' returning id`,
    ),
  ).length;
}
