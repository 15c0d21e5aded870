// One render per animation frame: store changes only mark work dirty.

export class FrameScheduler {
  private requested = false;
  private handle = 0;

  constructor(private readonly render: () => void) {}

  /** Asks for a render on the next frame (any number of calls per frame cost one render). */
  request(): void {
    if (this.requested) return;
    this.requested = true;
    this.handle = requestAnimationFrame(() => {
      this.requested = false;
      this.render();
    });
  }

  cancel(): void {
    cancelAnimationFrame(this.handle);
    this.requested = false;
  }
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}
