// gsparse/profile (package.json exports): the profiler, kept out of the kernels import ('gsparse').
// Time patterns against dense per layer, score their quality, recommend one per layer.
export { profile } from './profile.js';
export { recommend } from './recommend.js';
export type {
  LayerInput, LayerShape, MeasureOptions, NamedMatrix, ProfileBackend, ProfileMachine, ProfileOptions, ProfileProgress,
  ProfileReport, ProfileResult, Quality, Recommendation, RecommendOptions, Rejected, Timing,
} from './types.js';
