// Shared with the API's alert mails; its own module of the contracts, without the catalogue's texts.
export { reconnectHelps } from '@lms-m365/contracts/errors/reconnect';
