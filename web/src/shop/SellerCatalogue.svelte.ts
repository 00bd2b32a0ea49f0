// A seller's products and vouchers as the studio shows them: read over HTTP,
// kept current by the seller's own pushes (`live-shopping:product-added`,
// `live-shopping:voucher`: changes from another tab; `live-shopping:stock`:
// orders in the live session),
// with create, change and picture upload, failures in words.
import type {
  ProductChange,
  ProductInput,
  ProductView,
  VoucherInput,
  VoucherView,
} from '../../../signaling/protocol/index.ts';
import { ApiError, callApi } from '../lib/httpApi.ts';
import type { SignalingSocket } from '../lib/signaling.ts';
import { SocketListeners } from '../lib/SocketListeners.ts';
import { sellerErrorWords } from './shopLogic.ts';

export class SellerCatalogue {
  products = $state.raw<ProductView[]>([]);
  vouchers = $state.raw<VoucherView[]>([]);
  loaded = $state(false);
  busy = $state(false);
  problem = $state<string | undefined>();

  readonly #token: string;
  readonly #listeners: SocketListeners;

  constructor(socket: SignalingSocket, token: string) {
    this.#token = token;
    this.#listeners = new SocketListeners(socket);
    const on = this.#listeners.on.bind(this.#listeners);
    on('live-shopping:product-added', ({ product }) => this.#keepProduct(product));
    on('live-shopping:voucher', ({ voucher }) => this.#keepVoucher(voucher));
    // Orders in the host's live session move the stock.
    on('live-shopping:stock', ({ items }) => {
      this.products = this.products.map((product) => {
        const item = items.find((changed) => changed.productId === product.id);
        return item ? { ...product, stock: item.stock } : product;
      });
    });
  }

  async load(): Promise<void> {
    await this.#run(async () => {
      const [products, vouchers] = await Promise.all([
        callApi<ProductView[]>('/api/shop/products', { token: this.#token }),
        callApi<VoucherView[]>('/api/shop/vouchers', { token: this.#token }),
      ]);
      this.products = products;
      this.vouchers = vouchers;
      this.loaded = true;
    });
  }

  /** Creates a product (and uploads its picture, if given); true when it was created. */
  createProduct(input: ProductInput, picture: File | undefined): Promise<boolean> {
    return this.#run(async () => {
      const product = await callApi<ProductView>('/api/shop/products', {
        method: 'POST',
        body: input,
        token: this.#token,
      });
      this.#keepProduct(product);
      if (picture) await this.uploadPicture(product.id, picture);
    });
  }

  changeProduct(productId: string, change: ProductChange): Promise<boolean> {
    return this.#run(async () => {
      this.#keepProduct(
        await callApi<ProductView>(`/api/shop/products/${encodeURIComponent(productId)}`, {
          method: 'PATCH',
          body: change,
          token: this.#token,
        }),
      );
    });
  }

  async uploadPicture(productId: string, picture: File): Promise<void> {
    // The picture is the body as it is (not JSON): callApi does JSON only.
    const response = await fetch(`/api/shop/products/${encodeURIComponent(productId)}/image`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.#token}`, 'content-type': picture.type || 'application/octet-stream' },
      body: picture,
    });
    const result = (await response.json().catch(() => undefined)) as
      { ok: true; data: ProductView } | { ok: false; error: { code: ApiError['code']; message: string } } | undefined;
    if (!result) throw new ApiError('INTERNAL', `unexpected answer from the server (HTTP ${response.status})`);
    if (!result.ok) throw new ApiError(result.error.code, `the picture: ${result.error.message}`);
    this.#keepProduct(result.data);
  }

  createVoucher(input: VoucherInput): Promise<boolean> {
    return this.#run(async () => {
      this.#keepVoucher(
        await callApi<VoucherView>('/api/shop/vouchers', { method: 'POST', body: input, token: this.#token }),
      );
    });
  }

  destroy(): void {
    this.#listeners.removeAll();
  }

  async #run(action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    try {
      await action();
      this.problem = undefined;
      return true;
    } catch (error) {
      this.problem = error instanceof ApiError ? sellerErrorWords(error.code, error.message) : (error as Error).message;
      return false;
    } finally {
      this.busy = false;
    }
  }

  #keepProduct(product: ProductView): void {
    const others = this.products.filter((item) => item.id !== product.id);
    this.products = this.products.some((item) => item.id === product.id)
      ? this.products.map((item) => (item.id === product.id ? product : item))
      : [product, ...others];
  }

  #keepVoucher(voucher: VoucherView): void {
    this.vouchers = this.vouchers.some((item) => item.id === voucher.id)
      ? this.vouchers.map((item) => (item.id === voucher.id ? voucher : item))
      : [voucher, ...this.vouchers];
  }
}
