// What every view of a signed-in session shares: REST, the live store and its channel.
import { Api } from '../api';
import type { ClientConfig } from '../config';
import { LiveConnection, defaultSituationUrl } from '../live/connection';
import { LiveStore } from '../live/store';
import type { Session } from '../session';
import { StatusIndicator } from '../ui/status';

export interface ViewContext {
  session: Session;
  config: ClientConfig;
  api: Api;
  store: LiveStore;
  connection: LiveConnection;
  status: StatusIndicator;
}

export function createContext(session: Session, config: ClientConfig): ViewContext {
  const store = new LiveStore();
  const connection = new LiveConnection({ url: defaultSituationUrl(window.location), token: session.token, store });
  const status = new StatusIndicator();
  connection.onStatus((s) => status.update(s));
  return { session, config, api: new Api(session.token), store, connection, status };
}

export interface View {
  destroy(): void;
}
