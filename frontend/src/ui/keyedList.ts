// A list that reuses one DOM row per key: a row is rebuilt only when its revision changes and
// moved only when out of place, so a list redrawn every frame costs little.

export interface KeyedItem {
  key: string;
  /** Changes whenever the row must be redrawn (e.g. the incident's version). */
  revision: string;
}

export class KeyedList<T extends KeyedItem> {
  private readonly rows = new Map<string, { node: HTMLElement; revision: string }>();
  private rendered = false;

  /**
   * `newClass` is added to rows whose key was not in the list before (not on the first render,
   * nor when a row is only redrawn), e.g. for a one-off highlight animation.
   */
  constructor(
    readonly container: HTMLElement,
    private readonly build: (item: T) => HTMLElement,
    private readonly newClass = '',
  ) {}

  render(items: readonly T[]): void {
    const keep = new Set(items.map((item) => item.key));
    for (const [key, row] of this.rows) {
      if (!keep.has(key)) {
        row.node.remove();
        this.rows.delete(key);
      }
    }
    items.forEach((item, index) => {
      let row = this.rows.get(item.key);
      if (!row || row.revision !== item.revision) {
        const node = this.build(item);
        node.dataset.key = item.key;
        if (!row && this.rendered && this.newClass) node.classList.add(this.newClass);
        if (row) row.node.replaceWith(node);
        row = { node, revision: item.revision };
        this.rows.set(item.key, row);
      }
      const current = this.container.children[index] ?? null;
      if (current !== row.node) this.container.insertBefore(row.node, current);
    });
    this.rendered = true;
  }
}
