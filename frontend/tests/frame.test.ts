import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateLimit } from '../src/ui/frame';

afterEach(() => vi.useRealTimers());

describe('RateLimit', () => {
  it('allows one run per interval and wakes once when a refused run may happen', () => {
    vi.useFakeTimers();
    const wake = vi.fn();
    const rate = new RateLimit(250, wake);
    expect(rate.take(1000)).toBe(true);
    expect(rate.take(1100)).toBe(false);
    expect(rate.take(1200)).toBe(false);
    vi.advanceTimersByTime(149);
    expect(wake).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(wake).toHaveBeenCalledTimes(1);
    expect(rate.take(1250)).toBe(true);
    expect(rate.take(1600)).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('cancel drops the pending wake-up', () => {
    vi.useFakeTimers();
    const wake = vi.fn();
    const rate = new RateLimit(1000, wake);
    rate.take(0);
    rate.take(10);
    rate.cancel();
    vi.advanceTimersByTime(2000);
    expect(wake).not.toHaveBeenCalled();
  });
});
