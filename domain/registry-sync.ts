// The goals and use cases of the config file are written into the warehouse (where models join
// them) before the first read of a process. The config file owns the entries it names: they are
// rewritten when the file changes and removed when it drops them; the admin API owns the rest.
import type { PulsoConfig } from '../config/config.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { deleteGoals, listGoals, sameGoal, saveGoals } from '../warehouse/repositories/goals.ts'
import { deleteUseCases, listUseCases, sameUseCase, saveUseCases } from '../warehouse/repositories/use-cases.ts'

export async function syncRegistry(warehouse: Warehouse, config: PulsoConfig): Promise<{ goals: number; useCases: number }> {
  const { goals, useCases } = config.operatingLoop
  const storedGoals = new Map((await listGoals(warehouse)).map((g) => [`${g.tenantId}/${g.id}`, g]))
  const configGoalKeys = new Set(goals.map((g) => `${g.tenantId}/${g.id}`))
  const changedGoals = goals.filter((g) => {
    const stored = storedGoals.get(`${g.tenantId}/${g.id}`)
    return !stored || !sameGoal(stored, g)
  })
  const droppedGoals = [...storedGoals.entries()].filter(([key, g]) => g.source === 'config' && !configGoalKeys.has(key)).map(([, g]) => g)
  await saveGoals(warehouse, changedGoals)
  await deleteGoals(warehouse, droppedGoals)

  const storedUseCases = new Map((await listUseCases(warehouse)).map((u) => [`${u.tenantId}/${u.name}`, u]))
  const configUseCaseKeys = new Set(useCases.map((u) => `${u.tenantId}/${u.name}`))
  const changedUseCases = useCases.filter((u) => {
    const stored = storedUseCases.get(`${u.tenantId}/${u.name}`)
    return !stored || !sameUseCase(stored, u)
  })
  const droppedUseCases = [...storedUseCases.entries()].filter(([key, u]) => u.source === 'config' && !configUseCaseKeys.has(key)).map(([, u]) => u)
  await saveUseCases(warehouse, changedUseCases)
  await deleteUseCases(warehouse, droppedUseCases)
  return { goals: changedGoals.length + droppedGoals.length, useCases: changedUseCases.length + droppedUseCases.length }
}

const synced = new WeakMap<Warehouse, Promise<unknown>>()

/** Syncs once per warehouse connection; a failed sync is retried on the next call. */
export function ensureRegistrySynced(warehouse: Warehouse, config: PulsoConfig): Promise<unknown> {
  let pending = synced.get(warehouse)
  if (!pending) {
    pending = syncRegistry(warehouse, config).catch((error) => {
      synced.delete(warehouse)
      throw error
    })
    synced.set(warehouse, pending)
  }
  return pending
}
