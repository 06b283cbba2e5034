// The editor is controlled (`value` in, `onChange` out), but the app's state trails the model
// while the user types: React renders `value` a moment after each onChange, and by then more
// keys may have landed. Writing such an echo back into the model would eat those keystrokes.
// Echoes remembers what the editor reported until the app has caught up.

export class Echoes {
  private readonly pending: string[] = [];

  constructor(private readonly limit = 100) {}

  /** The editor reported `text` through onChange. */
  sent(text: string): void {
    this.pending.push(text);
    if (this.pending.length > this.limit) this.pending.shift();
  }

  /** `value` came from the app: true when it is one of the texts the editor reported (the app
   *  catching up: leave the model alone), false when it is new (load it). */
  isEcho(value: string): boolean {
    const i = this.pending.lastIndexOf(value);
    if (i >= 0) {
      this.pending.splice(0, i + 1);
      return true;
    }
    this.pending.length = 0;
    return false;
  }
}
