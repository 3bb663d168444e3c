import { MAIL_FLOWS } from './mail.js';
import { ONBOARDING_FLOWS } from './onboarding.js';
import { PIM_FLOWS } from './pim.js';
import { SEARCH_FLOWS } from './search.js';
import { SETTINGS_FLOWS } from './settings.js';
import type { Flow } from './steps.js';

export type { Flow, FlowState, FlowStep } from './steps.js';
export { newFlowState } from './steps.js';

/** Every flow the trace suite records and replays (a directory test/traces/<name>/ each). */
export const FLOWS: Flow[] = [
  ...ONBOARDING_FLOWS,
  ...MAIL_FLOWS,
  ...PIM_FLOWS,
  ...SEARCH_FLOWS,
  ...SETTINGS_FLOWS,
];
