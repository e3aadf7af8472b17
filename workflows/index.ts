// Every workflow type the worker registers.
export { campaignWorkflow } from './campaign/workflow';
export { phaseWorkflow, unitGroupWorkflow } from './phase/workflow';
export { unitPhaseWorkflow } from './unit/workflow';
export { deliverDigest, deliverNotification } from './notification/workflow';
