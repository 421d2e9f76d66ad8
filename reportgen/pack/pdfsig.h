/*
 * pdfsig.h - a signature inside the PDF: added as an incremental update
 * (ISO 32000-1 12.8), and found again for `verify`.
 *
 * The update appends a new version of the catalog (with an AcroForm), of
 * the first page (with the signature's widget in /Annots), a signature
 * field and a /Sig dictionary (/Filter /Adobe.PPKLite, /SubFilter
 * /adbe.pkcs7.detached, /ByteRange, /Contents, /M, /Name, /Reason), then a
 * cross-reference section and a trailer pointing back with /Prev. The
 * original bytes stay a prefix of the signed file, and the signature covers
 * every byte but its own /Contents hex string, so the document is "totally
 * signed". It works on PDFs with classic cross-reference tables, as libharu
 * writes them.
 */
#ifndef RG_PDFSIG_H
#define RG_PDFSIG_H

#include <stddef.h>

#include "../util/err.h"
#include "cms.h"

#define RG_PDF_SIG_REASON "reportgen evidence pack"

/*
 * Signs the PDF at path in place (through a temporary file and a rename).
 * when is the signing time, "YYYY-MM-DDTHH:MM:SSZ".
 */
int rg_pdf_sign(const char *path, const struct rg_signer *s, const char *when,
                struct rg_err *err);

/* The last signature of a PDF, as found in its bytes. */
struct rg_pdf_sig {
    int found;
    size_t range[4];    /* /ByteRange: start, length, start, length */
    int whole;          /* the ranges cover every byte but /Contents */
    unsigned char *der; /* owned; the /Contents bytes, padding included */
    size_t derlen;
    char subfilter[64];
    char why[256]; /* when found but unusable */
};

/*
 * Looks for the last /ByteRange of the PDF in buf and reads the signature
 * around it. Never trusts the numbers it reads. Returns -1 only when out of
 * memory.
 */
int rg_pdf_find_sig(const unsigned char *buf, size_t len,
                    struct rg_pdf_sig *sig, struct rg_err *err);
void rg_pdf_sig_release(struct rg_pdf_sig *sig);

#endif
