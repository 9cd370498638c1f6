// Passwords are kept as scrypt hashes: memory-hard (each guess costs an attacker 128 MiB, which
// rules out cheap GPU and ASIC cracking), with a random salt per password and the cost parameters
// stored beside the hash, so the cost can be raised later without breaking old hashes.
//
// scrypt from node:crypto rather than a package: argon2id packages ship native code (a build step
// on every platform Pulso runs on), while Node's scrypt is OpenSSL's, maintained with Node itself,
// and scrypt is one of the functions OWASP's Password Storage Cheat Sheet recommends.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** OWASP's minimum for scrypt: N = 2^17 (128 MiB), r = 8, p = 1. */
export const DEFAULT_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const
export type ScryptCost = { N: number; r: number; p: number }

const KEY_BYTES = 32
const SALT_BYTES = 16
const PREFIX = 'scrypt'

// One hash at a time: each holds 128 MiB and one of libuv's worker threads, which embedded chDB's
// queries need too; a burst of sign-ins waits its turn instead of starving them (and the memory).
let turn: Promise<unknown> = Promise.resolve()

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const run = () =>
    new Promise<Buffer>((resolve, reject) =>
      // maxmem: scrypt needs 128·N·r bytes; Node refuses above its default of 32 MiB
      scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r }, (error, key) => (error ? reject(error) : resolve(key))),
    )
  const result = turn.then(run, run)
  turn = result.catch(() => undefined)
  return result
}

/** `scrypt$N=…,r=…,p=…$<salt base64>$<hash base64>`: everything needed to check a password later. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, cost)
  return `${PREFIX}$N=${cost.N},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

function parseHash(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | undefined {
  const [prefix, params, salt, key] = stored.split('$')
  const match = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(params ?? '')
  if (prefix !== PREFIX || !match || !salt || !key) return undefined
  return { cost: { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) }, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') }
}

// Checked when the email is unknown (or has no password), so that answer takes as long as a wrong
// password: the time of the answer does not tell which emails have accounts.
let standIn: Promise<string> | undefined

/** Whether `password` is the one `stored` was made from; `stored` undefined: always false, in the same time. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = stored ? parseHash(stored) : undefined
  if (!parsed) {
    standIn ??= hashPassword(randomBytes(16).toString('hex'))
    const fake = parseHash(await standIn)!
    await derive(password, fake.salt, fake.cost)
    return false
  }
  const key = await derive(password, parsed.salt, parsed.cost)
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key)
}

/** A password for a new account, shown once: 18 random bytes, 24 characters of base64url. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}
