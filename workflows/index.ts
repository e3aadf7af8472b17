// Every workflow type the worker registers.
export { campaignWorkflow } from './campaign/workflow';
export { phaseWorkflow } from './phase/workflow';
export { unitGroupWorkflow } from './phase/group';
export { unitPhaseWorkflow } from './unit/workflow';
export { deliverDigest, deliverNotification } from './notification/workflow';
