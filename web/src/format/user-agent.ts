/** Command-line tools and HTTP libraries, named by the first token of their user agent. */
const TOOLS: Array<[RegExp, string]> = [
  [/^curl\//i, 'curl'],
  [/^wget\//i, 'Wget'],
  [/^httpie\//i, 'HTTPie'],
  [/^python-requests\//i, 'Python requests'],
  [/^python-urllib|^python-httpx|^aiohttp/i, 'Python'],
  [/^go-http-client\//i, 'Go'],
  [/^node|^undici/i, 'Node.js'],
  [/^postmanruntime\//i, 'Postman'],
  [/^gantry-cli|^gantry\//i, 'Gantry CLI'],
];

/** Browsers, tested in order: Edge and Opera also say Chrome, Chrome also says Safari. */
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Headless)?Chrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

/** Systems, tested in order: iOS also says Mac OS X, Android and ChromeOS also say Linux. */
const SYSTEMS: Array<[RegExp, string]> = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

const firstMatch = (ua: string, table: Array<[RegExp, string]>) =>
  table.find(([pattern]) => pattern.test(ua))?.[1];

/** A short readable name for a user agent: "Chrome on Linux", "curl". */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const tool = firstMatch(ua, TOOLS);
  if (tool) return tool;
  const browser = firstMatch(ua, BROWSERS);
  const system = firstMatch(ua, SYSTEMS);
  if (browser && system) return `${browser} on ${system}`;
  if (browser || system) return (browser ?? system) as string;
  // Something else: its product name, e.g. "MyScript" of "MyScript/1.2 (…)".
  return ua.split(/[/\s]/)[0]?.slice(0, 40) || 'Unknown device';
}
