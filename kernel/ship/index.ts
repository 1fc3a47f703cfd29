/** Function shipping for `%parallel map`: kernel side (analyze, cell) and worker side (materialize). */
export { shipFunction, type ShipEnvironment } from "./analyze";
export {
  CELL_FUNCTION_NAME,
  cellFunctionSource,
  shipCellBody,
  type CellFunctionOptions,
  type CellFunctionSource,
  type CellShipEnvironment,
} from "./cell";
export { ShipError } from "./errors";
export { materialize, SOURCE_URL_PREFIX, trimWorkerStack } from "./materialize";
export { workerGlobalNames } from "./worker-globals";
export * from "./types";
