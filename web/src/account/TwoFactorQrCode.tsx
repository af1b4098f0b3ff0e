import { QRCodeSVG } from 'qrcode.react';

/** The authenticator app's QR code for this secret (its own chunk: only this dialog needs it). */
export default function TwoFactorQrCode({ uri }: { uri: string }) {
  return (
    <QRCodeSVG
      value={uri}
      size={184}
      marginSize={2}
      title="QR code for your authenticator app"
      data-testid="two-factor-qr"
    />
  );
}
