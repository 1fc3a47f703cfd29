import { MapItemError } from "../pool";

/** A failing item of a cluster map ("raise" mode): the local map's error, naming the node too. */
export class ClusterItemError extends MapItemError {
  override name = "MapItemError";
  constructor(
    mapName: string,
    index: number,
    itemPreview: string,
    workerError: Error,
    readonly node: string,
  ) {
    super(mapName, index, itemPreview, workerError);
    const [first, ...rest] = this.message.split("\n");
    // Several nodes: an item that took down the agent process on each node that ran it.
    this.message = [`${first} (on ${node.includes(", ") ? "nodes" : "node"} ${node})`, ...rest].join("\n");
    this.stack = `${this.name}: ${this.message}\n${(workerError.stack ?? "")
      .split("\n")
      .filter((l) => /^\s+at /.test(l))
      .join("\n")}`;
  }
}

/** The map could not run on the cluster at all (no agents, server lost, function not rebuildable on a node). */
export class ClusterMapError extends Error {
  override name = "ClusterMapError";
}
