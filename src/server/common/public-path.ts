/** APP_PUBLIC_PATH with one trailing slash: `/`, `/nocobase/`. */
export function publicPath(): string {
  return `${(process.env.APP_PUBLIC_PATH || '/').replace(/\/+$/, '')}/`;
}
