/**
 * One request's routing timeline, in words: the candidates in the order the
 * balancer considers them, why each skipped one was skipped, each attempt
 * with its status, time and the throttle header that rested its backend, and
 * the outcome. Everything here comes from the record; nothing is computed
 * beyond wording.
 */
import type { RequestRecord, TimelineEntry } from '../../core/events';
import { h } from './dom';
import { fmtBytes, fmtClock, fmtMs } from './format';


export class TimelineView {
  readonly root: HTMLElement;
  private readonly heading = h('h3', { id: 'timeline-h', tabindex: -1 }, 'Routing timeline');
  private readonly body = h('div', { class: 'timeline-body' },
    h('p', { class: 'hint' }, 'Select a request (click it, or Enter on it) to see how the pool routed it.'));

  constructor() {
    this.root = h('aside', { class: 'timeline', 'aria-labelledby': 'timeline-h' }, this.heading, this.body);
  }

  show(r: RequestRecord, moveFocus: boolean): void {
    this.heading.textContent = `Request ${r.id}: ${r.method} ${r.route}`;
    const outcome = r.timeline.find((e): e is Extract<TimelineEntry, { type: 'outcome' }> => e.type === 'outcome');
    const facts = [
      `at ${fmtClock(r.at)}`,
      r.alias ? `model "${r.alias}"` : undefined,
      `${fmtBytes(r.requestBytes)} sent`,
      r.responseBytes ? `${fmtBytes(r.responseBytes)} back` : undefined,
      r.tokens ? `${r.tokens.total} tokens${r.tokens.prompt !== undefined ? ` (${r.tokens.prompt} prompt, ${r.tokens.completion ?? '?'} completion)` : ''}` : undefined,
      r.stream ? 'streamed' : undefined,
    ].filter(Boolean).join(' · ');
    const list = h('ol', { class: 'steps' });
    const candidates = r.timeline.filter((e): e is Extract<TimelineEntry, { type: 'candidate' }> => e.type === 'candidate');
    if (candidates.length) {
      list.append(step('candidates', 'Candidates, in order',
        candidates.map((c) => `${c.backend} (priority ${c.priority}${c.weight !== 1 ? `, weight ${c.weight}` : ''}${c.deployment ? `, ${c.deployment}` : ''})`).join(', ')));
    }
    for (const e of r.timeline) {
      if (e.type === 'skip') {
        // The reason reads whole ("cooling down, 1.2 s more: ..."); the code only colours the step.
        list.append(step('skip', `Skipped ${e.backend}`, `${e.reason}${e.until ? ` (until ${fmtClock(e.until)})` : ''}`, e.code));
      } else if (e.type === 'attempt') {
        const result = e.status !== undefined ? `answered ${e.status}` : 'no answer';
        const parts = [
          `${result} in ${fmtMs(e.ms)}`,
          e.ttfbMs !== undefined ? `first byte after ${fmtMs(e.ttfbMs)}` : undefined,
          e.bytes ? fmtBytes(e.bytes) : undefined,
          e.error,
          e.throttle ? `rests ${fmtMs(e.throttle.ms)} until ${fmtClock(e.throttle.until)}, as ${e.throttle.header === 'default' ? 'the default cooldown (no throttle header)' : `the ${e.throttle.header} header`} said` : undefined,
        ].filter(Boolean).join(' · ');
        const kind = e.status === undefined || e.error ? 'error' : e.status === 429 ? 'throttled' : e.status >= 400 ? 'warn' : 'ok';
        list.append(step(`attempt ${kind}`, `Attempt ${e.n}: ${e.backend}${e.deployment ? ` · ${e.deployment}` : ''}`, parts));
      }
    }
    if (outcome) {
      const kind = outcome.status >= 500 || outcome.error ? 'error' : outcome.status === 429 ? 'throttled' : outcome.status >= 400 ? 'warn' : 'ok';
      list.append(step(`outcome ${kind}`, `Outcome: ${outcome.status} after ${fmtMs(outcome.ms)}`, `${outcome.summary}${outcome.error ? ` (${outcome.error})` : ''}`));
    }
    const content = r.timeline.length ? list : h('p', { class: 'hint' }, 'The pool answered this request itself, before routing (a refused key, a bad path, the model list).');
    this.body.replaceChildren(h('p', { class: 'facts' }, facts), content);
    if (moveFocus) this.heading.focus();
  }
}

function step(kind: string, title: string, detail: string, code?: string): HTMLElement {
  return h('li', { class: `step ${kind}`, 'data-code': code }, h('span', { class: 'step-title' }, title), h('span', { class: 'step-detail' }, detail));
}
