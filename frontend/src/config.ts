// Deployment settings read from config.json beside index.html.

export interface ClientConfig {
  /** Raster tile URL template ({z}/{x}/{y}), e.g. a 天地图 WMTS URL with its key; null for none. */
  tileUrl: string | null;
  tileAttribution: string | null;
}

const DEFAULTS: ClientConfig = { tileUrl: null, tileAttribution: null };

export async function loadConfig(): Promise<ClientConfig> {
  try {
    const response = await fetch('./config.json', { cache: 'no-cache' });
    if (!response.ok) return DEFAULTS;
    const raw = (await response.json()) as Partial<ClientConfig>;
    return {
      tileUrl: typeof raw.tileUrl === 'string' && raw.tileUrl ? raw.tileUrl : null,
      tileAttribution: typeof raw.tileAttribution === 'string' ? raw.tileAttribution : null,
    };
  } catch {
    return DEFAULTS;
  }
}
