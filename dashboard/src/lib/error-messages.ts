// What the page says when a request fails, in English and Spanish, by the error code the API
// answers ({"error": "<code>", "message": "<the server's words, in English>"}). messages.ts takes
// them into its dictionaries; lib/errors.ts picks one for a failure.

export const ERROR_MESSAGES_EN = {
  'error.bad_request': 'the request was not valid',
  'error.unauthorized': 'unknown API key, or none was sent',
  'error.forbidden': 'your role does not allow this',
  'error.sign_in_failed': 'Wrong email or password.',
  'error.sign_in_locked': 'Too many failed sign-ins: this account is locked for a while. Try again later.',
  'error.session_ended': 'Your session has ended; sign in again.',
  'error.csrf': 'The page lost its session token; reload it.',
  'error.choose_tenant': 'This account belongs to several tenants; ask an admin which to use.',
  'error.not_found': 'not found',
  'error.conflict': 'it conflicts with what is stored',
  'error.payload_too_large': 'the request is too large',
  'error.unsupported_content_encoding': 'the request is compressed in a way the server does not read',
  'error.sql_refused': 'this statement is not allowed',
  'error.clickhouse_error': 'ClickHouse could not run this statement',
  'error.too_many_statements': 'too many statements are running; try again in a few seconds',
  'error.internal': 'the server failed; its log says why',
  'error.network': 'the server could not be reached',
  'error.unknown': 'the server answered {status}',
  'error.serverSays': 'What the server said',
} as const

export const ERROR_MESSAGES_ES: Record<keyof typeof ERROR_MESSAGES_EN, string> = {
  'error.bad_request': 'la petición no es válida',
  'error.unauthorized': 'la clave de API no existe o no se envió',
  'error.forbidden': 'tu rol no permite esto',
  'error.sign_in_failed': 'Correo o contraseña incorrectos.',
  'error.sign_in_locked': 'Demasiados intentos fallidos: esta cuenta está bloqueada un rato. Vuelve a intentarlo más tarde.',
  'error.session_ended': 'Tu sesión terminó; vuelve a entrar.',
  'error.csrf': 'La página perdió su token de sesión; recárgala.',
  'error.choose_tenant': 'Esta cuenta pertenece a varios clientes; pregunta a un administrador cuál usar.',
  'error.not_found': 'no se encontró',
  'error.conflict': 'choca con lo que ya está guardado',
  'error.payload_too_large': 'la petición es demasiado grande',
  'error.unsupported_content_encoding': 'la petición viene comprimida de una forma que el servidor no lee',
  'error.sql_refused': 'esta consulta no está permitida',
  'error.clickhouse_error': 'ClickHouse no pudo ejecutar esta consulta',
  'error.too_many_statements': 'hay demasiadas consultas en curso; vuelve a intentarlo en unos segundos',
  'error.internal': 'el servidor falló; su registro dice por qué',
  'error.network': 'no se pudo contactar al servidor',
  'error.unknown': 'el servidor respondió {status}',
  'error.serverSays': 'Lo que dijo el servidor',
}
