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

/**
 * At most one run per `intervalMs`: take() says whether a run may happen now (and counts it);
 * when not, it arranges one call of `wake` for when it may, so nothing stays undrawn.
 */
export class RateLimit {
  private last = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly wake: () => void,
  ) {}

  take(now = performance.now()): boolean {
    const wait = this.last + this.intervalMs - now;
    if (wait <= 0) {
      this.last = now;
      return true;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake();
      }, wait);
    }
    return false;
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
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
