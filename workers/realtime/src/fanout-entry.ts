/**
 * The fan-out tier as a worker of its own (`wrangler.fanout.toml`, mysetlist-realtime-fanout): the same
 * RoomFanout class, so that its Durable Objects can run in another process (locally: another workerd, with
 * its own thread) or be deployed apart from the rooms. The realtime worker still exports the class too.
 */
export { RoomFanout } from './fanout/room-fanout';

export default {
  fetch: () =>
    Response.json(
      { error: { code: 'not_found', message: 'The fan-out worker has no public routes.' } },
      { status: 404 },
    ),
} satisfies ExportedHandler<Env>;
