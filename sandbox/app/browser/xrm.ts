/**
 * The sandbox's Xrm: the slice of the client API the product's web resources use, over the Dataverse emulator, with
 * the shell drawing the dialogs, alerts and progress indicator. The signed-in user (and so their roles) is switchable.
 */
import { EmulatorWebApi } from '../../xrm/web-api.js';

export interface SandboxUserInfo { id: string; fullname: string; domainname: string; roles: Array<{ id: string; name: string }> }

export interface ShellUi {
  progress(message: string | undefined): void;
  alert(title: string, text: string): Promise<void>;
  /** Opens a web resource page in a dialog frame; resolves with the page's returnValue when it closes. */
  dialog(url: string, title: string, size: { width: number; height: number }): Promise<unknown>;
}

const pixels = (size: { value: number; unit: string } | number | undefined, fallback: number): number =>
  typeof size === 'number' ? size : size?.unit === 'px' ? size.value : fallback;

export function sandboxXrm(origin: string, user: SandboxUserInfo, ui: ShellUi): typeof Xrm {
  // The signed-in user's Dataverse token, from the sandbox's sign-in stand-in (Entra in a real environment).
  let token: Promise<string> | undefined;
  const signIn = async () => {
    const response = await fetch(`${origin}/sandbox/token?login_hint=${encodeURIComponent(user.domainname)}`, { method: 'POST' });
    if (!response.ok) throw new Error(`The sandbox did not sign ${user.domainname} in: ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const webApi = new EmulatorWebApi({ apiUrl: `${origin}/api/data/v9.2/`, identity: async () => ({ Authorization: `Bearer ${await (token ??= signIn())}` }) });
  const roles = user.roles.map((role) => ({ id: role.id, name: role.name, entityType: 'role' }));
  const globalContext = {
    getClientUrl: () => origin,
    userSettings: { userId: `{${user.id.toUpperCase()}}`, userName: user.domainname, roles: { get: () => roles, getLength: () => roles.length } },
  };
  const xrm = {
    WebApi: webApi,
    Utility: {
      getGlobalContext: () => globalContext,
      showProgressIndicator: (message: string) => ui.progress(message),
      closeProgressIndicator: () => ui.progress(undefined),
    },
    Navigation: {
      openAlertDialog: async (strings: Xrm.Navigation.AlertStrings) => { await ui.alert(strings.title ?? '', strings.text); return undefined; },
      // A file the product hands the user: a download, as the browser does for Xrm.Navigation.openFile in a web client.
      openFile: async (file: Xrm.Navigation.FileDetails) => {
        const bytes = Uint8Array.from(atob(file.fileContent), (c) => c.charCodeAt(0));
        const link = document.createElement('a');
        link.href = URL.createObjectURL(new Blob([bytes], { type: file.mimeType }));
        link.download = file.fileName;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 60000);
      },
      navigateTo: async (page: { pageType: string; webresourceName?: string; data?: string }, options?: Xrm.Navigation.NavigationOptions) => {
        if (page.pageType !== 'webresource' || !page.webresourceName) throw new Error(`The sandbox opens web resource pages only, not ${page.pageType}`);
        const url = `${origin}/webresources/${page.webresourceName}${page.data === undefined ? '' : `?data=${encodeURIComponent(page.data)}`}`;
        const returnValue = await ui.dialog(url, (options as { title?: string } | undefined)?.title ?? '', {
          width: pixels((options as { width?: { value: number; unit: string } | number } | undefined)?.width, 600),
          height: pixels((options as { height?: { value: number; unit: string } | number } | undefined)?.height, 480) });
        return { returnValue };
      },
    },
  };
  return xrm as unknown as typeof Xrm;
}
