/**
 * Asks the router for a backend (it may say "wait" first), sends the request
 * there with that backend's own credential, and on an answer worth failing
 * over (429, 408, 5xx, 401/403, a missing deployment, a connection error or
 * timeout) asks again at once (no sleeping), as long as nothing has reached
 * the client and the retry budget allows. Every outcome goes to `observe()`;
 * when no attempt succeeds, the best answer kept in reserve, or the pool's
 * own, goes back.
 *
 * Who may serve: `targets.ts`. Who next: `quotaRoute.ts` (quota routing, or
 * `balancer/route.ts`'s round-robin). One attempt and
 * what it means: `attempt.ts`. The pool's own answers: `answers.ts`.
 */
import { Attempts, attempt } from '../attempt';
import { answerAfterAttempts } from '../answers';
import { selectTargets } from '../targets';
import type { Stage } from '../context';

export const forward: Stage = async (ctx) => {
  const targets = selectTargets(ctx);
  if (!targets) return true;
  const run = new Attempts(ctx, targets, ctx.settings.retryBudget);
  try {
    while (run.tried.size < run.maxAttempts) {
      const next = run.route.next(run.tried, Date.now(), run.onSkip);
      if (next.kind === 'wait') {
        await run.waitFor(next);
        if (ctx.gone.aborted) return true;
        continue;
      }
      if (next.kind === 'none') {
        run.retryAt = next.retryAt;
        break;
      }
      if (!run.mayAttempt()) break;
      if ((await attempt(ctx, run, next.candidate)) === 'done' || ctx.gone.aborted) return true;
    }
    if (!ctx.gone.aborted) await answerAfterAttempts(ctx, run);
    return true;
  } finally {
    run.ended();
  }
};
