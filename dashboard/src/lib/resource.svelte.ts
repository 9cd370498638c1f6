// Loading state for a page's data: re-runs when the reactive values its loader reads
// change, and ignores answers that arrive after a newer request started.
export class Resource<T> {
  data = $state<T | undefined>(undefined)
  error = $state<Error | undefined>(undefined)
  loading = $state(true)
  #generation = 0
  #load: () => Promise<T>
  #retry = $state(0)

  constructor(load: () => Promise<T>) {
    this.#load = load
    $effect(() => {
      void this.#retry
      const generation = ++this.#generation
      this.loading = true
      this.error = undefined
      // `load` is called synchronously here, so the reactive values it reads are tracked.
      const pending = this.#load()
      pending.then(
        (data) => {
          if (generation !== this.#generation) return
          this.data = data
          this.loading = false
        },
        (error: unknown) => {
          if (generation !== this.#generation) return
          this.error = error instanceof Error ? error : new Error(String(error))
          this.loading = false
        },
      )
    })
  }

  retry = (): void => {
    this.#retry++
  }
}
