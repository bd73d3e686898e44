/**
 * What the connection API and the web part share: the error catalogue and the TypeBox schemas of
 * every endpoint with the types derived from them. The web part imports types from here and, at
 * run time, only one language's error texts (`@lms-m365/contracts/errors/en` or `/ja`).
 */
export * from './errors/catalogue';
export * from './errors/texts';
export * from './errors/reconnect';
export * from './schemas';
export * from './notifications';
export * from './sessions';
