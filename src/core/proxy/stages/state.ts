/**
 * Reads which stateful objects a request refers to, so `forward` can send it
 * to the backend that holds them. Only routes that can carry such ids are
 * looked at: deployment routes (chat, embeddings, images, audio) are stateless.
 */
import { referencedIds } from '../sticky';
import type { Stage } from '../context';

export const resolveState: Stage = (ctx) => {
  const route = ctx.route;
  if (route?.kind !== 'v1' && route?.kind !== 'openai') return false;
  const path = route.kind === 'v1' ? route.rest : route.path;
  const ids = referencedIds(path, ctx.json);
  if (ids.length) ctx.stateIds = ids;
  return false;
};
