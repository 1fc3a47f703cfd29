/**
 * The notebook's timeline (chunk-log.ts): map ids and names, handed out once for every backend, and the
 * finished chunks the sidebar draws. It imports kernel/map (the numbers of a map) and the sidebar schema only,
 * so the worker pool, the cluster and the sidebar all import it and none of them owns it.
 *
 * @module
 */
export { ChunkLog, mergeNeighbours, type EndedMap, type LoggedChunk, type RunningOnNode } from "./chunk-log";
