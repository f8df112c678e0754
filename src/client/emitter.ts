/**
 * A tiny typed event emitter: `on` returns the function that removes the listener.
 *
 * @example
 * const events = new Emitter<{ ping: number }>()
 * const stop = events.on('ping', (n) => console.log(n))
 * events.emit('ping', 1); stop()
 */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(detail: never) => void>>();

  on<K extends keyof Events>(type: K, listener: (detail: Events[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as (detail: never) => void);
    return () => set.delete(listener as (detail: never) => void);
  }

  emit<K extends keyof Events>(type: K, detail: Events[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) {
      try {
        (listener as (detail: Events[K]) => void)(detail);
      } catch (err) {
        // one broken listener must not stop the others, nor the client
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
