import { ApiProperty } from '@nestjs/swagger';
import { PriceView } from '../../bundles/dtos/bundle.responses';

export class CatalogCreatorView {
  @ApiProperty() displayName: string;
}

export class CatalogSummaryView {
  @ApiProperty({ description: 'Bundle id (what POST /v1/bundles/{id}/checkout takes)' }) id: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: CatalogCreatorView }) creator: CatalogCreatorView;
  @ApiProperty({ nullable: true, type: PriceView, description: 'null: not for sale' }) price: PriceView | null;
  @ApiProperty() itemCount: number;
  @ApiProperty({ description: 'Plaintext bytes of all items' }) totalSize: number;
  @ApiProperty({ nullable: true, type: Date }) publishedAt: Date | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Path of a free image item to show as poster (fetch it from /webseed/{slug}/{posterPath})',
  })
  posterPath: string | null;
  @ApiProperty({
    nullable: true,
    type: Date,
    description:
      'Premiere: keys are delivered from this time on (UTC); before it the torrent seeds and pre-orders are sold. null: no premiere',
  })
  releaseAt: Date | null;
  @ApiProperty({ description: 'Keys are delivered now (no releaseAt, or releaseAt has passed)' }) released: boolean;
}

export class CatalogItemView {
  @ApiProperty({ description: 'Path once unlocked, below the bundle folder' }) path: string;
  @ApiProperty({ description: 'Path inside the torrent (locked items carry .locked)' }) torrentPath: string;
  @ApiProperty({ nullable: true, type: Number }) size: number | null;
  @ApiProperty() locked: boolean;
  @ApiProperty({ description: 'First N pieces anyone may unlock (free preview)' }) previewPieces: number;
}

export class TorrentLinkView {
  @ApiProperty({ description: 'Download URL of the .torrent' }) url: string;
  @ApiProperty({ description: 'v1 info-hash (hex) of this torrent' }) infoHashV1: string;
  @ApiProperty({ nullable: true, type: String, description: 'v2 info-hash (hex), hybrid only' }) infoHashV2:
    string | null;
  @ApiProperty({ description: 'Which clients should use it' }) useWith: string;
}

export class TorrentLinksView {
  @ApiProperty({ type: TorrentLinkView, description: 'Hybrid v1+v2 torrent (BEP 52 + BEP 47 pads): the default' })
  hybrid: TorrentLinkView;
  @ApiProperty({ nullable: true, type: TorrentLinkView, description: 'Classic v1-only torrent for older clients' })
  v1: TorrentLinkView | null;
}

export class SwarmView {
  @ApiProperty() seeders: number;
  @ApiProperty() leechers: number;
  @ApiProperty() completed: number;
}

export class CatalogBundleView extends CatalogSummaryView {
  @ApiProperty({
    enum: ['DRAFT', 'PUBLISHING', 'PUBLISHED', 'UNLISTED', 'TAKEN_DOWN'],
    description: 'Anything but PUBLISHED/UNLISTED is only shown to the owner and admins',
  })
  status: string;
  @ApiProperty({ nullable: true, type: Number }) pieceLength: number | null;
  @ApiProperty({ type: [CatalogItemView] }) items: CatalogItemView[];
  @ApiProperty({ nullable: true, type: String }) magnet: string | null;
  @ApiProperty({ nullable: true, type: String }) infoHashV1: string | null;
  @ApiProperty({ nullable: true, type: String }) infoHashV2: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Info-hash of the v1-only torrent' }) infoHashV1Legacy:
    string | null;
  @ApiProperty({ nullable: true, type: TorrentLinksView, description: 'null until published' })
  torrents: TorrentLinksView | null;
  @ApiProperty({ type: SwarmView }) swarm: SwarmView;
}
