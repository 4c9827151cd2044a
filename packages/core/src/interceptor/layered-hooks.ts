/**
 * LayeredHooks is a list of hooks, each kept with the chain layer whose
 * interceptor registered it, so the hooks of the layers inside one can be
 * taken out when that layer runs them again. `items` is the plain list, in
 * registration order, for the paths that run every hook.
 */
export class LayeredHooks<T> {
  // Made with the first hook, sized to it: most calls register one or two.
  readonly items: T[];
  private readonly layers: number[];

  constructor(layer: number, item: T) {
    this.items = [item];
    this.layers = [layer];
  }

  add(layer: number, item: T): void {
    this.items.push(item);
    this.layers.push(layer);
  }

  /** dropInside takes out, in order, the hooks of layers deeper than `layer` and returns them. */
  dropInside(layer: number): T[] | undefined {
    const { items, layers } = this;
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
