/**
 * The one call into the APIM generator (issue 4), kept here so a change of
 * its API touches one file. Loaded on first use: nobody pays for it otherwise.
 */
import type { PoolConfig } from '../core';
import type { ApimResult } from '../core/generators';
import { apimRequest, type ApimAnswers } from '../core/view';

export async function runApimGenerator(config: PoolConfig, answers: ApimAnswers): Promise<ApimResult> {
  const { generateApim } = await import('../core/generators');
  const request = apimRequest(config, answers);
  return generateApim(request.config, request.options);
}
