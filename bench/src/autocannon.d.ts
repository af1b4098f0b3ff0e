// The parts of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Client {
    setBody(body: string): void;
  }
  interface Options {
    url: string;
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
    latency: { p50: number; p99: number; average: number };
    requests: { average: number; total: number };
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
