import { describe, expect, it } from 'vitest';
import { replicaUrls } from './client';

const env = {
  DATABASE_URL: 'postgres://primary/db',
  DATABASE_REPLICA_URLS: 'postgres://eu-1/db, postgres://na-1/db,postgres://eu-2/db',
  DATABASE_REPLICA_REGIONS: 'EU,na,eu',
};

describe('replicaUrls', () => {
  it('reads from the replicas of the caller’s continent', () => {
    expect(replicaUrls(env, 'EU')).toEqual(['postgres://eu-1/db', 'postgres://eu-2/db']);
    expect(replicaUrls(env, 'na')).toEqual(['postgres://na-1/db']);
  });
  it('uses every replica when none is near, the region is unknown, or replicas have no regions', () => {
    const all = ['postgres://eu-1/db', 'postgres://na-1/db', 'postgres://eu-2/db'];
    expect(replicaUrls(env, 'OC')).toEqual(all);
    expect(replicaUrls(env, null)).toEqual(all);
    expect(replicaUrls({ ...env, DATABASE_REPLICA_REGIONS: '' }, 'EU')).toEqual(all);
  });
  it('ignores regions that do not line up with the URLs rather than guess', () => {
    expect(replicaUrls({ ...env, DATABASE_REPLICA_REGIONS: 'eu,na' }, 'na')).toHaveLength(3);
  });
});
