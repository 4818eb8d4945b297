// At most `size` tasks run at once; the others wait their turn, first come first served.
// A finishing task hands its slot straight to the next one, so a newcomer arriving in between
// cannot slip past the queue and make it size + 1.
export class Limiter {
  constructor(size) {
    this.size = size;
    this.active = 0;
    this.waiting = [];
  }

  async run(task) {
    if (this.active < this.size) this.active += 1;
    else await new Promise((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
