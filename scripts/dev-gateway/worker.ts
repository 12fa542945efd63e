/**
 * DEVELOPMENT ONLY (wrangler.toml beside it): passes every request to the api worker and runs the crons that
 * `/cdn-cgi/handler/scheduled?cron=…` names on the worker(s) that own them (#shared/cron/schedule). Without a
 * `cron` parameter, every cron of every worker runs once.
 */
import { CRONS, type CronWorker } from '#shared/cron/schedule';

/** `Fetcher.scheduled()`: behind the compatibility flag `service_binding_extra_handlers` (wrangler.toml). */
interface CronFetcher extends Fetcher {
  scheduled(options: { cron: string; scheduledTime: Date }): Promise<{ outcome: string; noRetry: boolean }>;
}

interface GatewayEnv {
  API: Fetcher;
  API_CRONS: CronFetcher;
  QUEUE_CONSUMERS_CRONS: CronFetcher;
}

function target(env: GatewayEnv, worker: CronWorker): CronFetcher {
  return worker === 'mysetlist-api' ? env.API_CRONS : env.QUEUE_CONSUMERS_CRONS;
}

export default {
  fetch: (request, env) => env.API.fetch(request),

  async scheduled(controller, env) {
    const runs = (Object.keys(CRONS) as CronWorker[]).flatMap((worker) =>
      Object.values<string>(CRONS[worker])
        .filter((cron) => controller.cron === '' || cron === controller.cron)
        .map((cron) => ({ worker, cron })),
    );
    if (runs.length === 0) {
      const known = (Object.keys(CRONS) as CronWorker[]).flatMap((w) => Object.values<string>(CRONS[w]));
      const message = `No worker runs cron "${controller.cron}"; the crons are: ${known.map((c) => `"${c}"`).join(', ')}`;
      console.error(`[dev-gateway] ${message}`);
      throw new Error(message);
    }
    const failed: string[] = [];
    for (const { worker, cron } of runs) {
      const result = await target(env, worker).scheduled({ cron, scheduledTime: new Date(controller.scheduledTime) });
      console.log(`[dev-gateway] ${worker} cron "${cron}": ${result.outcome}`);
      if (result.outcome !== 'ok') failed.push(`${worker} "${cron}" (${result.outcome})`);
    }
    if (failed.length) {
      console.error(`[dev-gateway] cron runs failed: ${failed.join(', ')}`);
      throw new Error(`cron runs failed: ${failed.join(', ')}`);
    }
  },
} satisfies ExportedHandler<GatewayEnv>;
