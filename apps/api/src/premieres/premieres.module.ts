import { Module } from '@nestjs/common';
import { PremieresController } from './premieres.controller';
import { PremieresService } from './premieres.service';

@Module({ controllers: [PremieresController], providers: [PremieresService] })
export class PremieresModule {}
