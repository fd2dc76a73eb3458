// The panel's HTML shell: a strict Content-Security-Policy (nothing remote, scripts only with this
// load's nonce), local styles and the bundled app from dist/webview/. The toolkit (FAST) reads the
// nonce from the csp-nonce meta tag for the <style> elements it creates.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', name)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta property="csp-nonce" content="${nonce}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset('codicon.css')}" id="vscode-codicon-stylesheet">
  <link rel="stylesheet" href="${asset('uPlot.min.css')}">
  <link rel="stylesheet" href="${asset('panel.css')}">
  <title>Prompt Tuning</title>
</head>
<body>
  <div id="app" data-nonce="${nonce}"></div>
  <script type="module" nonce="${nonce}" src="${asset('panel.js')}"></script>
</body>
</html>`;
}
