/**
 * What the server-rendered pages hand their scripts in `<script type="application/json" id="page-data">`.
 * The page writes it, the script (workers/api/client) reads it as a type only, so no zod reaches the browser.
 */
import { z } from 'zod';

export const ShowPageData = z.object({
  showId: z.uuid(),
  artistId: z.uuid(),
  signedIn: z.boolean(),
  /** The room's sequence number when the page was rendered. */
  seq: z.number().int(),
});
export type ShowPageData = z.infer<typeof ShowPageData>;
