export { RoomFanout } from './fanout/room-fanout';
export { ShowRoom } from './show-room';

export default {
  /** Rooms are reached only through the api worker's Durable Object binding, never over a public route. */
  fetch: () =>
    Response.json(
      { error: { code: 'not_found', message: 'The realtime worker has no public routes.' } },
      { status: 404 },
    ),
} satisfies ExportedHandler<Env>;
