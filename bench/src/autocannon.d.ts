// The parts of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Client {
    setBody(body: string): void;
  }
  /** One request as `setupRequest` sees and returns it. */
  export interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  export interface Options {
    url: string;
    /** Stop after this many requests (instead of `duration`). */
    amount?: number;
    /** Requests sent in turn; `setupRequest` may change each before it goes out. */
    requests?: Array<
      RequestParams & {
        setupRequest?: (request: RequestParams) => RequestParams;
        onResponse?: (status: number, body: string) => void;
      }
    >;
    method?: string;
    connections?: number;
    workers?: number;
    duration?: number;
    headers?: Record<string, string>;
    body?: string;
    setupClient?: (client: Client) => void;
  }
  interface Result {
    '2xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    latency: { p50: number; p99: number; average: number };
    requests: { average: number; total: number };
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
