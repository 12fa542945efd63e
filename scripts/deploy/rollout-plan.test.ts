import { describe, expect, it } from 'vitest';
import { currentVersions, judgeWindow, overallErrorRate, uploadedVersionId, versionSpecs } from './rollout-plan';

const rollout = { previousVersionId: 'old-0000', newVersionId: 'new-1111' };
const thresholds = { maxErrorRate: 0.02, maxIncrease: 0.005, minRequests: 100 };

describe('versionSpecs', () => {
  it('splits traffic between the new and the previous version', () => {
    expect(versionSpecs(rollout, 10)).toEqual(['new-1111@10%', 'old-0000@90%']);
  });
  it('gives one version everything at 100 % (promote) and 0 % (rollback)', () => {
    expect(versionSpecs(rollout, 100)).toEqual(['new-1111@100%']);
    expect(versionSpecs(rollout, 0)).toEqual(['old-0000@100%']);
  });
  it('refuses shares that wrangler would refuse', () => {
    expect(() => versionSpecs(rollout, 101)).toThrow(/0 to 100/);
    expect(() => versionSpecs(rollout, 12.5)).toThrow(/whole number/);
  });
});

describe('reading wrangler', () => {
  it('finds the uploaded version id', () => {
    const out = 'Uploaded mysetlist-api (3.1 sec)\nWorker Version ID: 0f6c7d9e-1a2b-4c3d-8e9f-001122334455\n';
    expect(uploadedVersionId(out)).toBe('0f6c7d9e-1a2b-4c3d-8e9f-001122334455');
    expect(() => uploadedVersionId('nothing here')).toThrow(/no version id/);
  });
  it('orders the current deployment by share', () => {
    const status = {
      versions: [
        { version_id: 'a', percentage: 10 },
        { version_id: 'b', percentage: 90 },
      ],
    };
    expect(currentVersions(status)).toEqual([
      { versionId: 'b', percentage: 90 },
      { versionId: 'a', percentage: 10 },
    ]);
    expect(() => currentVersions({})).toThrow(/unexpected/);
  });
});

describe('judgeWindow', () => {
  it('weights the error rate by requests', () => {
    expect(
      overallErrorRate([
        { requests: 900, errorRate: 0 },
        { requests: 100, errorRate: 0.5 },
      ]),
    ).toEqual({ requests: 1000, errorRate: 0.05 });
  });
  it('says nothing on too little traffic', () => {
    expect(judgeWindow({ requests: 10, errorRate: 1 }, 0, thresholds).verdict).toBe('too_little_traffic');
  });
  it('rolls back above the absolute limit', () => {
    const v = judgeWindow({ requests: 1000, errorRate: 0.03 }, null, thresholds);
    expect(v.verdict).toBe('rollback');
  });
  it('rolls back on a rise over the pre-rollout rate, even under the absolute limit', () => {
    expect(judgeWindow({ requests: 1000, errorRate: 0.012 }, 0.001, thresholds).verdict).toBe('rollback');
    expect(judgeWindow({ requests: 1000, errorRate: 0.004 }, 0.001, thresholds).verdict).toBe('healthy');
  });
});
