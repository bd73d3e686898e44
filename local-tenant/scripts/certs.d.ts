export interface LocalCertificates {
  ca: string;
  cert: string;
  key: string;
}
export declare const DEFAULT_DIR: string;
export declare function ensureCerts(dir?: string): Promise<LocalCertificates>;
