/** Proxies for the outgoing requests (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), read once with the configuration. */
export interface ProxySettings {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy?: string;
}
