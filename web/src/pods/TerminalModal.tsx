import '@xterm/xterm/css/xterm.css';
import { Button, Group, Modal, Text } from '@mantine/core';
import { IconClipboard, IconCopy, IconRefresh } from '@tabler/icons-react';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Pod } from './pods-api';

type State = 'connecting' | 'open' | 'closed';

/** Close codes of the terminal endpoint (server/src/pods/terminal.ts). */
const CLOSE_REASON: Record<number, string> = {
  4000: 'The shell ended.',
  4001: 'Your access to this Pod ended.',
};

/** The terminal's WebSocket URL on the console's own origin. */
function terminalUrl(accountId: string, podId: string, cols: number, rows: number): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/v1/accounts/${accountId}/pods/${podId}/terminal?cols=${cols}&rows=${rows}`;
}

/**
 * A shell in the running Pod (xterm.js over the terminal WebSocket): it follows the window's
 * size, copies the selection and pastes (buttons, or Ctrl+Shift+C / Ctrl+Shift+V), and
 * reconnects on demand.
 */
function TerminalView({ accountId, pod }: { accountId: string; pod: Pod }) {
  const [host, setHost] = useState<HTMLDivElement | null>(null);
  const [state, setState] = useState<State>('connecting');
  const [closedWhy, setClosedWhy] = useState('');
  const [generation, setGeneration] = useState(0);
  const terminal = useRef<Terminal | null>(null);

  const copy = useCallback(() => {
    const text = terminal.current?.getSelection() ?? '';
    if (text) void navigator.clipboard?.writeText(text);
  }, []);
  const paste = useCallback(() => {
    void navigator.clipboard?.readText().then((text) => terminal.current?.paste(text));
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new generation is a reconnect
  useEffect(() => {
    if (!host) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    fit.fit();
    terminal.current = term;
    term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
      if (event.code === 'KeyC') {
        copy();
        return false;
      }
      if (event.code === 'KeyV') {
        paste();
        return false;
      }
      return true;
    });
    setState('connecting');
    const ws = new WebSocket(terminalUrl(accountId, pod.id, term.cols, term.rows));
    ws.binaryType = 'arraybuffer';
    const encoder = new TextEncoder();
    ws.onopen = () => {
      setState('open');
      term.focus();
    };
    ws.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) term.write(new Uint8Array(event.data));
    };
    ws.onclose = (event) => {
      setState('closed');
      setClosedWhy(CLOSE_REASON[event.code] ?? 'The connection closed.');
    };
    const input = term.onData((data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(data));
    });
    const resized = term.onResize(({ cols, rows }) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'resize', cols, rows }));
    });
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(host);
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      ws.close();
      term.dispose();
      terminal.current = null;
    };
  }, [host, accountId, pod.id, generation, copy, paste]);

  return (
    <>
      <div
        ref={setHost}
        data-testid="pod-terminal"
        data-state={state}
        style={{ height: '60vh', background: '#000', padding: 4 }}
      />
      <Group justify="space-between" mt="sm">
        <Text size="sm" c={state === 'closed' ? 'red' : 'dimmed'} data-testid="terminal-state">
          {state === 'connecting' && 'Connecting…'}
          {state === 'open' && 'Connected. Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes.'}
          {state === 'closed' && closedWhy}
        </Text>
        <Group gap="xs">
          <Button size="xs" variant="default" leftSection={<IconCopy size={14} />} onClick={copy}>
            Copy
          </Button>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconClipboard size={14} />}
            onClick={paste}
          >
            Paste
          </Button>
          <Button
            size="xs"
            variant={state === 'closed' ? 'filled' : 'default'}
            leftSection={<IconRefresh size={14} />}
            onClick={() => setGeneration((n) => n + 1)}
          >
            Reconnect
          </Button>
        </Group>
      </Group>
    </>
  );
}

/** The terminal of `pod` in a dialog (nothing when `pod` is null). */
export function TerminalModal({
  accountId,
  pod,
  onClose,
}: {
  accountId: string;
  pod: Pod | null;
  onClose: () => void;
}) {
  return (
    <Modal
      opened={pod !== null}
      onClose={onClose}
      title={pod ? `Terminal · ${pod.name}` : ''}
      size="xl"
    >
      {pod && <TerminalView accountId={accountId} pod={pod} />}
    </Modal>
  );
}
