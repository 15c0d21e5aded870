// REST calls with Authorization: Bearer. Only for what the live channel does not carry:
// layers (once), an incident's full detail, and the checks of the sign-in screen.
import type { ApiErrorBody, Incident, LayerList } from './proto';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface GeoJsonFeature {
  type: 'Feature';
  id?: string | number;
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
}

export interface GeoJsonCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
  bbox?: number[];
}

export class Api {
  constructor(
    private readonly token: string,
    private readonly base = '',
  ) {}

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(response.status, 'invalid_response', `${method} ${path}: not JSON`);
    }
    if (!response.ok) {
      const error = (parsed as ApiErrorBody).error;
      throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText);
    }
    return parsed as T;
  }

  layers(): Promise<LayerList> {
    return this.get<LayerList>('/api/v1/layers');
  }

  layer(name: string, filter: Record<string, string> = {}): Promise<GeoJsonCollection> {
    const query = new URLSearchParams(filter).toString();
    return this.get<GeoJsonCollection>(`/api/v1/layers/${encodeURIComponent(name)}${query ? `?${query}` : ''}`);
  }

  incident(id: string): Promise<Incident> {
    return this.get<Incident>(`/api/v1/incidents/${encodeURIComponent(id)}`);
  }
}
