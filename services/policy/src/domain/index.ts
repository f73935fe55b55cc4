export { PolicyEngine, type Decision, type Effect, type Reason, type RequestFacts } from './policy-engine.js';
