// gsparse/profile (package.json exports): the profiler, kept out of the kernels import ('gsparse').
// Time patterns against dense per layer, score their quality, recommend one per layer; time a whole model
// compressed against its dense self on onnxruntime-node.
export { profile } from './profile.js';
export { profileModel, type ModelProfileOptions, type ModelProfileResult, type ModelProfileRow } from './model-profile.js';
export type { FeedSpec } from './model-feeds.js';
export { recommend } from './recommend.js';
export type {
  LayerInput, LayerShape, MeasureOptions, NamedMatrix, ProfileBackend, ProfileMachine, ProfileOptions, ProfileProgress,
  ProfileReport, ProfileResult, Quality, Recommendation, RecommendOptions, Regime, Rejected, Timing,
} from './types.js';
