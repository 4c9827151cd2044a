/**
 * LayeredHooks is a list of hooks, each kept with the chain layer whose
 * interceptor registered it, so the hooks of the layers inside one can be
 * taken out when that layer runs them again. `items` is the plain list, in
 * registration order, for the paths that run every hook.
 */
export class LayeredHooks<T> {
  // Made with the first hook, sized to it: most calls register one or two.
  readonly items: T[];
  // The layer of every hook while they all share one, as the hooks of one
  // kind mostly do; `layers` (each hook's) is made once a second layer adds one.
  private layer: number;
  private layers: number[] | undefined;

  constructor(layer: number, item: T) {
    this.items = [item];
    this.layer = layer;
  }

  add(layer: number, item: T): void {
    const { items } = this;
    if (this.layers !== undefined) this.layers.push(layer);
    else if (items.length === 0) this.layer = layer;
    else if (layer !== this.layer) {
      this.layers = new Array<number>(items.length).fill(this.layer);
      this.layers.push(layer);
    }
    items.push(item);
  }

  /** dropInside takes out, in order, the hooks of layers deeper than `layer` and returns them (undefined when none). */
  dropInside(layer: number): T[] | undefined {
    const { items, layers } = this;
    if (layers === undefined) {
      if (this.layer <= layer || items.length === 0) return undefined;
      const dropped = items.slice();
      items.length = 0;
      return dropped;
    }
    let dropped: T[] | undefined;
    let kept = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as T;
      const at = layers[i] as number;
      if (at > layer) {
        (dropped ??= []).push(item);
      } else {
        items[kept] = item;
        layers[kept] = at;
        kept++;
      }
    }
    items.length = kept;
    layers.length = kept;
    return dropped;
  }
}
