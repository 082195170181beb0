import { Module } from '@nestjs/common';
import { CatalogController } from './catalog.controller';
import { CatalogService } from './catalog.service';

/** SWARM_STATS is deliberately not provided here: the tracker's global module supplies it (see swarm-stats.ts). */
@Module({ controllers: [CatalogController], providers: [CatalogService] })
export class CatalogModule {}
