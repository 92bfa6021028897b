/**
 * Target selection: which backends one request may go to. Usually every
 * backend that serves its alias (the router then chooses). A request naming a
 * stateful id we saw created goes only to the backend that holds it; one
 * naming ids we never saw asks the backends in turn (`probe404`: a 404 then
 * means "not here", and the one that answers is remembered).
 */
import type { ProxyContext } from './context';
import type { AliasTargets, PoolCandidate } from './pool';
import { answerNotServed, answerStateBackendUnavailable, answerStateConflict, answerStateGone } from './answers';

export interface Targets extends AliasTargets {
  /** Asking each backend for ids it may hold: a 404 moves on instead of answering. */
  readonly probe404?: boolean;
}

/** The request's targets; answers the request itself (and returns undefined) when nobody can take it. */
export function selectTargets(ctx: ProxyContext): Targets | undefined {
  const all = ctx.pool.targets(ctx.alias);
  ctx.trace.candidates(all.candidates);
  if (all.candidates.length === 0) {
    answerNotServed(ctx);
    return undefined;
  }
  const ids = ctx.stateIds;
  if (!ids) return all;
  const owners = new Set<string>();
  for (const id of ids) {
    const o = ctx.settings.sticky.get(id);
    if (o !== undefined) owners.add(o);
  }
  if (owners.size > 1) {
    answerStateConflict(ctx, ids, [...owners]);
    return undefined;
  }
  const [owner] = owners;
  if (owner === undefined) return { alias: all.alias, candidates: all.candidates, probe404: true };
  const pinned = all.candidates.find((c) => c.name === owner);
  if (!pinned) {
    answerStateGone(ctx, ids, owner);
    return undefined;
  }
  const rest = pinned.health.usable() ? undefined : pinned.rest(Date.now());
  if (rest) {
    ctx.trace.onSkip?.(pinned, rest.reason, rest);
    answerStateBackendUnavailable(ctx, ids, owner, rest.text);
    return undefined;
  }
  return { alias: all.alias, candidates: [pinned] as readonly PoolCandidate[] };
}
