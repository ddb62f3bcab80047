// A sign-out in the modern client reloads `/v/signin`: automatic login must not sign the member straight
// back in. Remembered for the tab (sessionStorage) until the member starts a WeCom login again.
const SIGNED_OUT = 'auth-wecom:signedOut';

export const markSignedOut = () => sessionStorage.setItem(SIGNED_OUT, String(Date.now()));
export const signedOut = () => sessionStorage.getItem(SIGNED_OUT) !== null;
export const forgetSignOut = () => sessionStorage.removeItem(SIGNED_OUT);
