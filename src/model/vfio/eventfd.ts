// eventfd(2): a 64-bit counter behind an fd. A write adds to it; a read returns it and sets it to
// zero (the default, non-EFD_SEMAPHORE mode). VFIO signals one from its interrupt handler
// (vfio_msihandler() -> eventfd_signal(), which adds 1) and user space reads it to learn that
// the interrupt fired. fs/eventfd.c: eventfd_write() adds, eventfd_read() (without
// EFD_SEMAPHORE) takes the whole count and leaves 0; a read of a zero counter would block (or
// give EAGAIN with EFD_NONBLOCK): the ioctl script's read_eventfd returns 0 then instead.

/** ULLONG_MAX - 1: the largest value the counter holds (eventfd_write() refuses to pass it). */
export const EVENTFD_MAX = (1n << 64n) - 2n;

export class EventFd {
  /** ctx->count */
  count = 0n;
  /** How many times it was signalled since it was made (views). */
  signals = 0;

  /** eventfd_signal(): add 1. Returns the count after. */
  signal(): bigint {
    this.signals++;
    return this.write(1n);
  }

  /** write(2) of an 8-byte value: add it (the model saturates at EVENTFD_MAX where the kernel
   *  would block). */
  write(n: bigint): bigint {
    const next = this.count + n;
    this.count = next > EVENTFD_MAX ? EVENTFD_MAX : next;
    return this.count;
  }

  /** read(2): the count, and the counter goes back to 0. 0 when nothing was signalled. */
  read(): bigint {
    const c = this.count;
    this.count = 0n;
    return c;
  }
}
